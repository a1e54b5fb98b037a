"""HTTP API over the matcher library."""
