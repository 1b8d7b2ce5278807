"""The clinic server: an HTTP API for patients' devices and therapists, and its launcher."""
