"""Application services: each public function runs one use case against the ledger."""
