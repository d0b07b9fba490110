#!/usr/bin/env bash
# The demo: filled in as the pipeline lands.
set -euo pipefail
