# Terraform creates both functions and owns every setting; cloudbuild.yaml rolls out new code
# with the same settings (test/infra checks that they agree). So Terraform deploys the source
# zip only when it creates a function, and leaves later sources to Cloud Build.

resource "google_cloudfunctions2_function" "api" {
  name        = local.api_function_name
  location    = var.region
  description = "Bailiff HTTP API: plans, dry runs, approvals, apply, rollback, audit."

  build_config {
    runtime     = "nodejs24"
    entry_point = "api"
    # The zip holds the compiled dist/ already; this keeps the buildpack from running
    # `npm run build`, which needs the dev toolchain the zip does not carry.
    environment_variables = {
      GOOGLE_NODE_RUN_SCRIPTS = ""
    }
    source {
      storage_source {
        bucket = var.function_source_bucket
        object = var.function_source_object
      }
    }
  }

  service_config {
    available_memory   = "512M"
    timeout_seconds    = 60
    min_instance_count = 0
    max_instance_count = var.api_max_instances
    # Agents call from sandboxes outside Google Cloud; run.invoker (iam.tf) is the gate.
    ingress_settings               = "ALLOW_ALL"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.api.email

    environment_variables = {
      NODE_ENV                = "production"
      BAILIFF_MODE            = "gcp"
      WORKSPACE_BUCKET        = google_storage_bucket.workspace.name
      GOOGLE_CLOUD_PROJECT    = var.project
      FIRESTORE_DATABASE      = google_firestore_database.bailiff.name
      BAILIFF_EXECUTION_TOPIC = google_pubsub_topic.executions.name
      # Signs each audit chain head after an append (kms.tf); version 1 is the one KMS creates with the key.
      BAILIFF_AUDIT_KMS_KEY = "${google_kms_crypto_key.audit_heads.id}/cryptoKeyVersions/1"
      # The audit copies, in the bucket with a retention policy (storage.tf).
      BAILIFF_AUDIT_BUCKET    = google_storage_bucket.audit.name
      BAILIFF_AUDIENCE        = local.api_url
      BAILIFF_PRINCIPALS      = var.principals
      BAILIFF_OAUTH_CLIENT_ID = var.console_oauth_client_id
      BAILIFF_EVENTS_TOPIC    = google_pubsub_topic.events.name
      # Signed URLs for reading case files and uploading blobs carry this account's rights.
      BAILIFF_SIGNER_SERVICE_ACCOUNT = google_service_account.signer.email
    }
  }

  lifecycle {
    ignore_changes = [build_config[0].source]

    postcondition {
      condition     = self.url == local.api_url
      error_message = "The api is served at ${self.url}, not at the ${local.api_url} that BAILIFF_AUDIENCE names; callers' ID tokens would be refused."
    }
  }

  depends_on = [google_project_service.required]
}

resource "google_cloudfunctions2_function" "executor" {
  name        = local.executor_function_name
  location    = var.region
  description = "Bailiff executor: applies approved plans, pushed from the bailiff-executor subscription."

  build_config {
    runtime     = "nodejs24"
    entry_point = "executor"
    environment_variables = {
      GOOGLE_NODE_RUN_SCRIPTS = ""
    }
    source {
      storage_source {
        bucket = var.function_source_bucket
        object = var.function_source_object
      }
    }
  }

  # No event_trigger: the push subscription in pubsub.tf is the trigger.
  service_config {
    # The executor streams objects and keeps memory flat in the plan's size, so it fits the
    # smallest default size; a rise here means that promise broke.
    available_memory = "256M"
    # The event-driven maximum. BAILIFF_EXECUTOR_BUDGET_MS stops work well before it.
    timeout_seconds    = 540
    min_instance_count = 0
    max_instance_count = var.executor_max_instances
    # Only Pub/Sub pushes from this project reach it.
    ingress_settings               = "ALLOW_INTERNAL_ONLY"
    all_traffic_on_latest_revision = true
    service_account_email          = google_service_account.executor.email

    environment_variables = {
      NODE_ENV                   = "production"
      BAILIFF_MODE               = "gcp"
      WORKSPACE_BUCKET           = google_storage_bucket.workspace.name
      GOOGLE_CLOUD_PROJECT       = var.project
      FIRESTORE_DATABASE         = google_firestore_database.bailiff.name
      BAILIFF_EXECUTION_TOPIC    = google_pubsub_topic.executions.name
      # Signs each audit chain head after an append (kms.tf); version 1 is the one KMS creates with the key.
      BAILIFF_AUDIT_KMS_KEY = "${google_kms_crypto_key.audit_heads.id}/cryptoKeyVersions/1"
      # The audit copies, in the bucket with a retention policy (storage.tf).
      BAILIFF_AUDIT_BUCKET = google_storage_bucket.audit.name
      BAILIFF_EXECUTOR_BUDGET_MS = local.executor_budget_ms
      # The sweep (scheduler.tf) fails the plans of requests parked here.
      BAILIFF_DEAD_LETTER_SUBSCRIPTION = google_pubsub_subscription.executions_dead_letter.name
      BAILIFF_EVENTS_TOPIC       = google_pubsub_topic.events.name
      BAILIFF_CONSOLE_URL        = local.api_url
      # Most of a long execution's memory is V8's young generation, which grows with the
      # allocation rate, not with what the code keeps (under 30 MiB for 100,000 moves). A small
      # one keeps a 100,000-move execution at ~200 MiB instead of ~340 MiB, inside 256M
      # (npm run bench, scenario 4, which runs with these same flags).
      NODE_OPTIONS = "--max-semi-space-size=2"
    }
  }

  lifecycle {
    ignore_changes = [build_config[0].source]
  }

  depends_on = [google_project_service.required]
}
