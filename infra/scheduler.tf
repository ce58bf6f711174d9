# The execution sweep (shared/services/execution-sweep.ts): no plan stays queued or running for
# ever. Cloud Scheduler publishes a sweep request to the executions topic; the executor function
# receives it through the same authenticated push as every execution request, re-queues plans
# that no live lease holds and that made no progress for a lease's lifetime (audited
# `plan.requeued`), and fails plans whose request was parked on the dead-letter topic. Only
# principals allowed to publish to the topic can ask for a sweep, and a sweep is idempotent.
resource "google_cloud_scheduler_job" "execution_sweep" {
  name        = "bailiff-execution-sweep"
  region      = var.region
  description = "Bailiff: re-queue stalled plans and fail dead-lettered ones."
  schedule    = var.sweep_schedule
  time_zone   = "Etc/UTC"

  pubsub_target {
    topic_name = google_pubsub_topic.executions.id
    data       = base64encode(jsonencode({ version = 1, kind = "sweep" }))
    attributes = { kind = "sweep" }
  }

  depends_on = [google_project_service.required]
}
