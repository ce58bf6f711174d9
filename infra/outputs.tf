output "api_url" {
  description = "Where agents and approvers call the api, and the audience their ID tokens must carry."
  value       = google_cloudfunctions2_function.api.url
}

output "workspace_bucket" {
  description = "The workspace bucket."
  value       = google_storage_bucket.workspace.name
}

output "audit_bucket" {
  description = "The bucket of the audit copies, under its retention policy."
  value       = google_storage_bucket.audit.name
}

output "execution_topic" {
  description = "Topic the api and the executor publish execution requests to."
  value       = google_pubsub_topic.executions.id
}

output "dead_letter_subscription" {
  description = "Pull subscription holding execution requests that failed 10 deliveries."
  value       = google_pubsub_subscription.executions_dead_letter.id
}

output "api_service_account" {
  description = "Identity of the api function."
  value       = google_service_account.api.email
}

output "executor_service_account" {
  description = "Identity of the executor function and of the pushes that trigger it."
  value       = google_service_account.executor.email
}

output "events_topic" {
  description = "Topic receiving every plan event as a CloudEvent (attributes case, type, plan), for the firm's notifiers."
  value       = google_pubsub_topic.events.id
}

output "console_url" {
  description = "The approver's console."
  value       = "${google_cloudfunctions2_function.api.url}/ui/"
}
