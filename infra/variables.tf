variable "project" {
  description = "Google Cloud project ID that hosts Bailiff."
  type        = string
}

variable "region" {
  description = "Region of both functions (and the default for the bucket and Firestore)."
  type        = string
  default     = "us-central1"
}

variable "bucket_name" {
  description = "The workspace bucket: the firm's case files live under projects/<case>/."
  type        = string
}

variable "bucket_location" {
  description = "Location of the workspace bucket; defaults to the region. When adopting an existing bucket it must be that bucket's location, or Terraform would plan to replace it."
  type        = string
  default     = null
}

variable "firestore_location" {
  description = "Location of the Firestore database (a region such as us-central1, or a multi-region such as nam5); defaults to the region. It can never change after creation."
  type        = string
  default     = null
}

variable "firestore_database" {
  description = "Firestore database ID."
  type        = string
  default     = "(default)"
}

variable "principals" {
  description = <<-EOT
    Who may use Bailiff, as the JSON the api reads from BAILIFF_PRINCIPALS:
    {"<e-mail>": {"roles": ["agent" | "approver" | "admin", ...], "cases": ["<glob>", ...]}}.
    Keys are the e-mail addresses in the callers' Google ID tokens: people, or agents' service
    accounts. Every key is also granted run.invoker on the api, so the list of who can reach
    the api and the list of what each may do there are one list.
  EOT
  type        = string

  validation {
    condition = try(alltrue([
      for email, principal in jsondecode(var.principals) :
      can(regex("^[^@\\s]+@[^@\\s]+$", email)) &&
      length(principal.roles) > 0 &&
      alltrue([for role in principal.roles : contains(["agent", "approver", "admin"], role)])
    ]), false)
    error_message = "principals must be a JSON object keyed by e-mail address whose values have a non-empty \"roles\" list of agent, approver or admin."
  }
}

variable "backup_retention_days" {
  description = "Days a backup under .bailiff/backups/ is kept. A plan older than this can no longer be rolled back from its backups."
  type        = number
  default     = 90

  validation {
    condition     = var.backup_retention_days >= 1 && floor(var.backup_retention_days) == var.backup_retention_days
    error_message = "backup_retention_days must be a whole number of days, at least 1."
  }
}

variable "audit_retention_days" {
  description = "Days each audit copy in the audit bucket is kept from being overwritten or deleted, by anyone (the bucket's retention policy)."
  type        = number
  default     = 2557

  validation {
    condition     = var.audit_retention_days >= 1 && floor(var.audit_retention_days) == var.audit_retention_days
    error_message = "audit_retention_days must be a whole number of days, at least 1."
  }
}

variable "audit_retention_locked" {
  description = "Lock the audit bucket's retention policy, so that nobody, administrators included, can shorten or remove it. Irreversible: the bucket cannot be deleted until its last copy's retention ends. Set it once the period is right."
  type        = bool
  default     = false
}

variable "staging_retention_days" {
  description = "Days an uploaded blob under .bailiff/staging/ is kept. A plan must be proposed and applied within this time of its uploads; the executor copies blobs into the case, so nothing depends on them afterwards."
  type        = number
  default     = 1

  validation {
    condition     = var.staging_retention_days >= 1 && floor(var.staging_retention_days) == var.staging_retention_days
    error_message = "staging_retention_days must be a whole number of days, at least 1."
  }
}

variable "function_source_bucket" {
  description = "Bucket holding the zip of the functions' first deployment (see docs/operations.md). Later code rollouts come from Cloud Build."
  type        = string
}

variable "function_source_object" {
  description = "Object name of that zip inside function_source_bucket."
  type        = string
}

variable "api_max_instances" {
  description = "Upper bound on api instances: caps cost and the load agents can put on Firestore."
  type        = number
  default     = 10
}

variable "executor_max_instances" {
  description = "Upper bound on executor instances. One execution holds one case's lease, so this also bounds how many cases change at once; deliveries beyond it are retried by Pub/Sub."
  type        = number
  default     = 10
}

variable "deployer" {
  description = "IAM member that rolls out code with cloudbuild.yaml (e.g. serviceAccount:<build service account>); empty to grant nothing."
  type        = string
  default     = ""
}

variable "console_oauth_client_id" {
  description = <<-EOT
    OAuth 2.0 client ID (type "Web application", created by the firm in the Google Cloud console)
    for the approver's console's Google Sign-In. The api accepts ID tokens issued for it besides
    those for its own URL, mapped to roles through the same principals. Setting it also lets
    browsers reach the api (allUsers as run.invoker on the api only; Bailiff's own token check
    then gates every route, see iam.tf). Empty: no console on Google Cloud, and only the
    principals can reach the api. Add the api URL as an authorised JavaScript origin of the
    client.
  EOT
  type        = string
  default     = ""
}

variable "sweep_schedule" {
  description = "When Cloud Scheduler asks the executor to sweep for stalled and dead-lettered executions (cron, UTC). A plan stalls for at most this plus a lease's lifetime."
  type        = string
  default     = "*/5 * * * *"
}
