#!/usr/bin/env bash
# Stages what a function deployment uploads, into a new folder: the compiled dist/ and the two
# package manifests the buildpack installs the production dependencies from. No TypeScript
# sources, tests or node_modules. cloudbuild.yaml deploys such a folder; README.md zips one
# for Terraform's first deployment, so both deploy the same bytes.
#
# Usage: npm run build && bash infra/package-source.sh OUT_DIR
set -euo pipefail

out="${1:?usage: infra/package-source.sh OUT_DIR (a folder that does not exist yet)}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The function's entry module is package.json's "main"; deploying without it would fail only
# after a slow remote build, so refuse here.
main="$(node -p 'require(process.argv[1]).main' "$root/package.json")"
if [ ! -f "$root/$main" ]; then
  echo "package-source: $main is missing; run 'npm run build' first" >&2
  exit 1
fi
# A new folder only: never delete or merge into whatever the caller pointed at.
if [ -e "$out" ]; then
  echo "package-source: $out already exists; give a folder that does not" >&2
  exit 1
fi

mkdir -p "$out"
cp "$root/package.json" "$root/package-lock.json" "$out/"
cp -R "$root/dist" "$out/dist"
echo "package-source: staged $(find "$out" -type f | wc -l) files in $out"
