terraform {
  # 1.5: endswith() and resource postconditions need 1.3, and README.md adopts the existing
  # workspace bucket with an `import` block (1.5).
  required_version = ">= 1.5"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Every resource and argument used here exists, unchanged, in both 6.x and 7.x.
      version = ">= 6.0, < 8.0"
    }
  }

  # State holds no secrets, but it is the only record of what Terraform manages: keep it in a
  # bucket of its own for anything beyond a trial, e.g. `terraform init
  # -backend-config=bucket=<state bucket>` after adding `backend "gcs" {}` here.
}

provider "google" {
  project = var.project
  region  = var.region
}
