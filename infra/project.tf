locals {
  # Gen2 functions are built by Cloud Build into Artifact Registry and run as Cloud Run services.
  required_services = toset([
    "artifactregistry.googleapis.com",
    "cloudbuild.googleapis.com",
    "cloudfunctions.googleapis.com",
    # Cloud Scheduler: the execution sweep's schedule (scheduler.tf).
    "cloudscheduler.googleapis.com",
    # Cloud KMS: the key that signs audit chain heads (kms.tf).
    "cloudkms.googleapis.com",
    "firestore.googleapis.com",
    "iam.googleapis.com",
    # signBlob: the api signs URLs as the signer account (iam.tf).
    "iamcredentials.googleapis.com",
    "pubsub.googleapis.com",
    "run.googleapis.com",
    "storage.googleapis.com",
  ])

  api_function_name      = "bailiff-api"
  executor_function_name = "bailiff-executor"

  # The api checks the `aud` of every ID token against its own URL (BAILIFF_AUDIENCE), but a
  # function cannot name its own computed URL without a dependency cycle. Gen2 functions are
  # also served at this predictable address; the api function's postcondition fails the apply
  # if Google ever hands out another one, rather than letting every caller get a 401.
  api_url = "https://${var.region}-${var.project}.cloudfunctions.net/${local.api_function_name}"

  # Seven minutes of work per invocation, leaving two of the executor's nine (540 s timeout)
  # for the batch in flight, the checkpoint and publishing the continuation.
  executor_budget_ms = 420000

  # Delivers push requests and dead-letters messages; it exists once the Pub/Sub API is on.
  pubsub_service_agent = "serviceAccount:service-${data.google_project.this.number}@gcp-sa-pubsub.iam.gserviceaccount.com"
}

resource "google_project_service" "required" {
  for_each = local.required_services

  service = each.value
  # Other things in the project may use these APIs too; tearing Bailiff down must not stop them.
  disable_on_destroy = false
}

data "google_project" "this" {
  project_id = var.project
}
