# Two identities, each with only what its function does. The api reads the workspace and
# records plans; it can never change a case file. Only the executor writes, and only by
# applying an approved plan.

resource "google_service_account" "api" {
  account_id   = "bailiff-api"
  display_name = "Bailiff api"
  description  = "Runs the api function: reads the workspace, keeps plans in Firestore, queues executions."

  depends_on = [google_project_service.required]
}

resource "google_service_account" "executor" {
  account_id   = "bailiff-executor"
  display_name = "Bailiff executor"
  description  = "Runs the executor function, the only writer of the workspace; also signs the Pub/Sub pushes to it."

  depends_on = [google_project_service.required]
}

# --- api ---

# Listing, stat and reading for dry runs; no create, overwrite or delete.
resource "google_storage_bucket_iam_member" "api_reads_workspace" {
  bucket = google_storage_bucket.workspace.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.api.email}"
}

# Legal holds (POST /cases/{case}/holds) are an objects.patch of an object's hold flag:
# storage.objects.update changes an object's metadata, never its content, and the role has no
# create or delete, so the api still cannot write or remove a file.
resource "google_project_iam_custom_role" "hold_keeper" {
  project     = var.project
  role_id     = "bailiffHoldKeeper"
  title       = "Bailiff hold keeper"
  description = "Place and release legal holds on workspace objects; no content writes, no deletes."
  permissions = ["storage.objects.get", "storage.objects.update"]

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket_iam_member" "api_keeps_holds" {
  bucket = google_storage_bucket.workspace.name
  role   = google_project_iam_custom_role.hold_keeper.name
  member = "serviceAccount:${google_service_account.api.email}"
}

# GET /audit/verify reads the audit copies.
resource "google_storage_bucket_iam_member" "api_reads_audit_copies" {
  bucket = google_storage_bucket.audit.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_project_iam_member" "api_uses_firestore" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.api.email}"
}

# Publish only, and only to the execution topic: no reading, no other topics.
resource "google_pubsub_topic_iam_member" "api_queues_executions" {
  topic  = google_pubsub_topic.executions.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.api.email}"
}

# The health check (GET /health) reads the topic's metadata to prove Pub/Sub answers; viewing
# the topic reveals no messages.
resource "google_pubsub_topic_iam_member" "api_checks_executions" {
  topic  = google_pubsub_topic.executions.name
  role   = "roles/pubsub.viewer"
  member = "serviceAccount:${google_service_account.api.email}"
}

# Everyone named in var.principals may reach the api; what they may do there is the api's
# decision (roles and cases from BAILIFF_PRINCIPALS).
resource "google_cloud_run_v2_service_iam_member" "api_invokers" {
  for_each = toset(keys(jsondecode(var.principals)))

  location = var.region
  name     = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = endswith(each.value, ".gserviceaccount.com") ? "serviceAccount:${each.value}" : "user:${each.value}"
}

# The approver's console, only when the firm configures its Google sign-in. Cloud Run checks
# run.invoker before Bailiff sees a request, and a browser's page load carries no ID token, so
# with the per-person grants above a person could never open /ui/. This lets every request
# reach the api, where Bailiff's own check is the gate: every route but GET /health and
# GET /openapi.json refuses a request without a valid Google ID token for the api's URL or the
# console's client, issued to someone in var.principals (shared/http/function-handler.test.ts
# proves that for the whole route table). The console's own files hold no case data. The
# executor and the bucket are never public (test/infra). A firm whose organisation policy
# forbids allUsers grants turns Cloud Run's invoker check off on this one service instead
# (README, "The console on Google Cloud").
resource "google_cloud_run_v2_service_iam_member" "api_browsers" {
  count = var.console_oauth_client_id == "" ? 0 : 1

  location = var.region
  name     = google_cloudfunctions2_function.api.name
  role     = "roles/run.invoker"
  member   = "allUsers"
}

# --- signer ---

# The identity behind every signed URL the api hands out. A signed URL carries its signer's
# permissions, so this account holds exactly what those URLs may do: read case content, and
# create (never overwrite or delete) objects in the staging area. It runs nothing and has no
# key; the api signs as it through IAM signBlob.
resource "google_service_account" "signer" {
  account_id   = "bailiff-signer"
  display_name = "Bailiff URL signer"
  description  = "Signs the short-lived URLs the api hands out: reads of case files, uploads into .bailiff/staging/."

  depends_on = [google_project_service.required]
}

resource "google_storage_bucket_iam_member" "signer_reads_cases" {
  bucket = google_storage_bucket.workspace.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.signer.email}"

  condition {
    title       = "case content only"
    description = "Objects under projects/, never Bailiff's own area."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.workspace.name}/objects/projects/\")"
  }
}

resource "google_storage_bucket_iam_member" "signer_creates_staged_blobs" {
  bucket = google_storage_bucket.workspace.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.signer.email}"

  condition {
    title       = "staging area only"
    description = "New objects under .bailiff/staging/; the upload URLs also require x-goog-if-generation-match: 0."
    expression  = "resource.name.startsWith(\"projects/_/buckets/${google_storage_bucket.workspace.name}/objects/.bailiff/staging/\")"
  }
}

# The api may sign as the signer, and nothing else with it (no tokens for other accounts).
resource "google_service_account_iam_member" "api_signs_as_signer" {
  service_account_id = google_service_account.signer.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = "serviceAccount:${google_service_account.api.email}"
}

# --- executor ---

# Create, read, overwrite and delete objects, as objectAdmin would, but without its
# setIamPolicy permissions: the workspace's only writer still cannot grant anyone access.
resource "google_storage_bucket_iam_member" "executor_writes_workspace" {
  bucket = google_storage_bucket.workspace.name
  role   = "roles/storage.objectUser"
  member = "serviceAccount:${google_service_account.executor.email}"
}

# The audit copies: create and read, never overwrite or delete (the retention policy would
# refuse those anyway; objectCreator does not even ask).
resource "google_storage_bucket_iam_member" "executor_creates_audit_copies" {
  bucket = google_storage_bucket.audit.name
  role   = "roles/storage.objectCreator"
  member = "serviceAccount:${google_service_account.executor.email}"
}

resource "google_storage_bucket_iam_member" "executor_reads_audit_copies" {
  bucket = google_storage_bucket.audit.name
  role   = "roles/storage.objectViewer"
  member = "serviceAccount:${google_service_account.executor.email}"
}

resource "google_project_iam_member" "executor_uses_firestore" {
  project = var.project
  role    = "roles/datastore.user"
  member  = "serviceAccount:${google_service_account.executor.email}"
}

# Continuations: an execution that runs out of time budget re-queues itself.
resource "google_pubsub_topic_iam_member" "executor_queues_continuations" {
  topic  = google_pubsub_topic.executions.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.executor.email}"
}

# The sweep fails the plan of each request parked on the dead-letter topic, then acknowledges it.
resource "google_pubsub_subscription_iam_member" "executor_reads_dead_letters" {
  subscription = google_pubsub_subscription.executions_dead_letter.name
  role         = "roles/pubsub.subscriber"
  member       = "serviceAccount:${google_service_account.executor.email}"
}

# Pushes are signed as the executor's service account (pubsub.tf), so it is the one identity
# allowed to invoke the executor. The function is internal-only as well.
resource "google_cloud_run_v2_service_iam_member" "executor_push_invoker" {
  location = var.region
  name     = google_cloudfunctions2_function.executor.name
  role     = "roles/run.invoker"
  member   = "serviceAccount:${google_service_account.executor.email}"
}

# --- Pub/Sub service agent ---

# Mints the OIDC tokens of the pushes. Needed explicitly in projects whose Pub/Sub API was
# enabled before April 2021; granted on this one account rather than the whole project.
resource "google_service_account_iam_member" "pubsub_signs_executor_pushes" {
  service_account_id = google_service_account.executor.name
  role               = "roles/iam.serviceAccountTokenCreator"
  member             = local.pubsub_service_agent
}

# Dead lettering is done by the service agent: it must be able to acknowledge the message on
# the source subscription and publish it to the dead-letter topic, or failed requests are
# retried forever instead.
resource "google_pubsub_topic_iam_member" "pubsub_dead_letters" {
  topic  = google_pubsub_topic.executions_dead_letter.name
  role   = "roles/pubsub.publisher"
  member = local.pubsub_service_agent
}

resource "google_pubsub_subscription_iam_member" "pubsub_acks_dead_letters" {
  subscription = google_pubsub_subscription.executor.name
  role         = "roles/pubsub.subscriber"
  member       = local.pubsub_service_agent
}

# --- deployer (optional) ---

# What `gcloud functions deploy` in cloudbuild.yaml needs: update the two functions and run
# them as their service accounts. Nothing else: the infrastructure stays Terraform's.
resource "google_project_iam_member" "deployer_updates_functions" {
  count = var.deployer == "" ? 0 : 1

  project = var.project
  role    = "roles/cloudfunctions.developer"
  member  = var.deployer
}

resource "google_service_account_iam_member" "deployer_acts_as_runtime" {
  for_each = var.deployer == "" ? {} : {
    api      = google_service_account.api.name
    executor = google_service_account.executor.name
  }

  service_account_id = each.value
  role               = "roles/iam.serviceAccountUser"
  member             = var.deployer
}

# --- plan events (notifications) ---

# Both functions record transitions (the api: proposed ... queued; the executor: succeeded,
# failed, rolled back), so both publish their events; publish only, on that topic only.
resource "google_pubsub_topic_iam_member" "api_publishes_events" {
  topic  = google_pubsub_topic.events.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.api.email}"
}

resource "google_pubsub_topic_iam_member" "executor_publishes_events" {
  topic  = google_pubsub_topic.events.name
  role   = "roles/pubsub.publisher"
  member = "serviceAccount:${google_service_account.executor.email}"
}

# --- audit head signing key (kms.tf) ---

# Both functions append audit records, so both sign chain heads: sign only, never manage,
# decrypt or read the key material.
resource "google_kms_crypto_key_iam_member" "api_signs_audit_heads" {
  crypto_key_id = google_kms_crypto_key.audit_heads.id
  role          = "roles/cloudkms.signer"
  member        = "serviceAccount:${google_service_account.api.email}"
}

resource "google_kms_crypto_key_iam_member" "executor_signs_audit_heads" {
  crypto_key_id = google_kms_crypto_key.audit_heads.id
  role          = "roles/cloudkms.signer"
  member        = "serviceAccount:${google_service_account.executor.email}"
}

# The verifiers check signatures with the public key; the functions verify the head they extend.
resource "google_kms_crypto_key_iam_member" "api_reads_audit_public_key" {
  crypto_key_id = google_kms_crypto_key.audit_heads.id
  role          = "roles/cloudkms.publicKeyViewer"
  member        = "serviceAccount:${google_service_account.api.email}"
}

resource "google_kms_crypto_key_iam_member" "executor_reads_audit_public_key" {
  crypto_key_id = google_kms_crypto_key.audit_heads.id
  role          = "roles/cloudkms.publicKeyViewer"
  member        = "serviceAccount:${google_service_account.executor.email}"
}
