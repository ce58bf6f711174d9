# The key that signs each audit chain's head (shared/ports/audit-head-signer.ts). It lives in
# Cloud KMS, away from Firestore and the bucket: whoever can rewrite the audit records cannot
# sign the rewritten head. The functions may only sign with it; verifying needs only its public
# key. Key rings and keys cannot be deleted, only disabled: protected from destroy as well.

resource "google_kms_key_ring" "bailiff" {
  name     = "bailiff"
  location = var.region

  depends_on = [google_project_service.required]
}

resource "google_kms_crypto_key" "audit_heads" {
  name     = "audit-heads"
  key_ring = google_kms_key_ring.bailiff.id
  purpose  = "ASYMMETRIC_SIGN"

  version_template {
    algorithm        = "EC_SIGN_P256_SHA256"
    protection_level = "SOFTWARE"
  }

  lifecycle {
    prevent_destroy = true
  }
}
