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

# GET /plans?case=&status= lists newest first. An equality filter on one field ordered by
# another needs a composite index, one per filter combination; field names are the PlanStore's
# (`case`, `status`, `createdAt` on documents of the `plans` collection).

resource "google_firestore_index" "plans_by_case" {
  database   = google_firestore_database.bailiff.name
  collection = "plans"

  fields {
    field_path = "case"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "plans_by_status" {
  database   = google_firestore_database.bailiff.name
  collection = "plans"

  fields {
    field_path = "status"
    order      = "ASCENDING"
  }
  fields {
    field_path = "createdAt"
    order      = "DESCENDING"
  }
}

resource "google_firestore_index" "plans_by_case_and_status" {
  database   = google_firestore_database.bailiff.name
  collection = "plans"

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
}
