"""Would the real API accept this request? Its JSON Schemas, its semantic rules, its wording."""
