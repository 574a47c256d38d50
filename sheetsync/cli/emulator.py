"""`sheetsync emulator serve` (to be written)."""
