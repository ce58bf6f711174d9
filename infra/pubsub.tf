# The api publishes an execution request here when a plan is applied; the executor publishes
# continuations here before its time budget runs out.
resource "google_pubsub_topic" "executions" {
  name = "bailiff-executions"

  depends_on = [google_project_service.required]
}

# How the executor is triggered: a push subscription Terraform manages, not a function
# event_trigger. An event_trigger makes Eventarc create (and own) a subscription of its own,
# whose dead-letter policy Terraform cannot set, and keeping both would deliver every request
# twice. Pushed here, the raw Pub/Sub body reaches the executor's cloudEvent() handler as the
# same google.cloud.pubsub.topic.v1.messagePublished CloudEvent (the functions framework
# converts it, taking the topic from the /projects/<p>/topics/<t> path), which is also how the
# end-to-end tests drive it.
resource "google_pubsub_subscription" "executor" {
  name  = "bailiff-executor"
  topic = google_pubsub_topic.executions.id

  # Pub/Sub waits this long for the push response; it must outlast the executor's 540 s
  # timeout, or a request still being worked on would be delivered again alongside it.
  ack_deadline_seconds       = 600
  message_retention_duration = "604800s"

  # Throwing from the handler (a 5xx) means "retry"; back off from 10 s to 10 min between tries.
  retry_policy {
    minimum_backoff = "10s"
    maximum_backoff = "600s"
  }

  # After 10 failed deliveries the request is parked on the dead-letter topic for an operator
  # instead of being retried for the week it is retained.
  dead_letter_policy {
    dead_letter_topic     = google_pubsub_topic.executions_dead_letter.id
    max_delivery_attempts = 10
  }

  push_config {
    push_endpoint = "${google_cloudfunctions2_function.executor.service_config[0].uri}/projects/${var.project}/topics/${google_pubsub_topic.executions.name}"

    # Pub/Sub signs each push as the executor's own service account, which alone may invoke it.
    oidc_token {
      service_account_email = google_service_account.executor.email
      audience              = google_cloudfunctions2_function.executor.service_config[0].uri
    }
  }

  # A rarely used system must not lose its trigger to the 31-day inactivity expiry.
  expiration_policy {
    ttl = ""
  }

  depends_on = [google_cloud_run_v2_service_iam_member.executor_push_invoker]
}

resource "google_pubsub_topic" "executions_dead_letter" {
  name = "bailiff-executions-dead-letter"

  depends_on = [google_project_service.required]
}

# Read by the execution sweep (scheduler.tf), which marks each parked request's plan failed
# with the reason and acknowledges it; the executor's logs say why its deliveries failed.
resource "google_pubsub_subscription" "executions_dead_letter" {
  name  = "bailiff-executions-dead-letter"
  topic = google_pubsub_topic.executions_dead_letter.id

  ack_deadline_seconds       = 60
  message_retention_duration = "604800s"

  expiration_policy {
    ttl = ""
  }
}

# Notifications: every plan event (proposed, approved, rejected, expired, queued, succeeded,
# failed, rolled back) as a CloudEvent, with attributes `case`, `type` and `plan` for
# subscription filters. Nothing in Bailiff subscribes; a firm's notifier does (README,
# "Notifications"), e.g. a push subscription filtered on
# `attributes.type = "bailiff.plan.proposed"` to a small function that posts to Google Chat.
resource "google_pubsub_topic" "events" {
  name = "bailiff-events"

  # A notifier that is down for a day still finds the events when it comes back.
  message_retention_duration = "86400s"

  depends_on = [google_project_service.required]
}
