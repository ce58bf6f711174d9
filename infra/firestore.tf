resource "google_firestore_database" "bailiff" {
  name        = var.firestore_database
  location_id = coalesce(var.firestore_location, var.region)
  type        = "FIRESTORE_NATIVE"

  # Plans, approvals, journals and the audit chain are the record of what happened to client
  # files: the database cannot be deleted by accident, and a bad write can be read back as it
  # was up to 7 days earlier.
  delete_protection_state           = "DELETE_PROTECTION_ENABLED"
  point_in_time_recovery_enablement = "POINT_IN_TIME_RECOVERY_ENABLED"
  deletion_policy                   = "ABANDON"

  depends_on = [google_project_service.required]
}

# What the Firestore PlanStore (shared/adapters/gcp/firestore-plan-store.ts) queries beyond
# the automatic single-field indexes, with its default collection prefix `bailiff`.
#
# GET /plans?case=&status= lists plans newest first, paged by (createdAt, document id): an
# equality filter on one field ordered by others needs a composite index, one per filter
# combination.

resource "google_firestore_index" "plans_by_case" {
  database   = google_firestore_database.bailiff.name
  collection = "bailiff_plans"

  fields {
    field_path = "case"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "plans_by_status" {
  database   = google_firestore_database.bailiff.name
  collection = "bailiff_plans"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "plans_by_case_and_status" {
  database   = google_firestore_database.bailiff.name
  collection = "bailiff_plans"

  fields {
    field_path = "case"
    order      = "ASCENDING"
  }
  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
  fields {
    field_path = "__name__"
    order      = "DESCENDING"
  }
}

# GET /plans/{id}/audit finds a plan's records across every case's chain with a
# collection-group query on planId; automatic indexes only serve single collections. Nothing
# queries planId within one chain, so this replaces the collection-scope ones.
resource "google_firestore_field" "audit_records_by_plan" {
  database   = google_firestore_database.bailiff.name
  collection = "bailiff_audit_records"
  field      = "planId"

  index_config {
    indexes {
      order       = "ASCENDING"
      query_scope = "COLLECTION_GROUP"
    }
  }
}
