"""HTTP layer: one router per resource. Handlers hold no business logic."""
