"""sheetsync: an agency task store kept in two-way sync with one Google spreadsheet per client."""
