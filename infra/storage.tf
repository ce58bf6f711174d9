resource "google_storage_bucket" "workspace" {
  name     = var.bucket_name
  location = coalesce(var.bucket_location, upper(var.region))

  # Access only through IAM, never object ACLs: the one place that says who may read and who
  # may write is iam.tf, and nothing can make a case file public.
  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  # Soft delete, not object versioning. Bailiff already keeps the prior content of everything a
  # plan overwrites or deletes under .bailiff/backups/, named by plan, which is what a rollback
  # uses. Versioning would keep a second, unnamed copy of each of those, forever unless another
  # lifecycle rule culled it, and of every backup again when the rule below deletes it. Soft
  # delete is the safety net for what Bailiff does not see: a person or tool deleting objects
  # (including backups) outside it can undo that for 7 days (604800 s), at no cost while
  # nothing is deleted.
  soft_delete_policy {
    retention_duration_seconds = 604800
  }

  versioning {
    enabled = false
  }

  # Backups are for rollbacks; after backup_retention_days a plan is history, not an undo
  # candidate, and its backups stop costing storage. Only backups: audit files under
  # .bailiff/audit/ are the firm's record and are never aged out.
  lifecycle_rule {
    condition {
      age            = var.backup_retention_days
      matches_prefix = [".bailiff/backups/"]
    }
    action {
      type = "Delete"
    }
  }

  # Blobs are uploaded for one plan and copied into the case when it runs; an upload nobody
  # used (an abandoned push) stops costing storage after staging_retention_days.
  lifecycle_rule {
    condition {
      age            = var.staging_retention_days
      matches_prefix = [".bailiff/staging/"]
    }
    action {
      type = "Delete"
    }
  }

  # These are the firm's case files: no apply, however mistaken, may delete the bucket.
  force_destroy = false
  lifecycle {
    prevent_destroy = true
  }

  depends_on = [google_project_service.required]
}

# The audit copies (shared/services/audit-copies.ts): every finished plan's audit records as JSON
# Lines under .bailiff/audit/, in a bucket of their own whose retention policy refuses to
# overwrite or delete an object until audit_retention_days after it was written, whoever asks.
# The workspace cannot have that policy (plans overwrite and delete case files), hence a second
# bucket. A copy is written once under a name never used before (its record count), so the
# policy never stands in Bailiff's way. Locking the policy (audit_retention_locked) also keeps
# an administrator from shortening or removing it: irreversible, so it is a decision to take.
resource "google_storage_bucket" "audit" {
  name     = "${var.bucket_name}-audit"
  location = coalesce(var.bucket_location, upper(var.region))

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  retention_policy {
    retention_period = var.audit_retention_days * 86400
    is_locked        = var.audit_retention_locked
  }

  versioning {
    enabled = false
  }

  force_destroy = false
  lifecycle {
    prevent_destroy = true
  }

  depends_on = [google_project_service.required]
}
