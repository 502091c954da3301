"""The edge every door shares: headers, body, paging, the models list, client-error logging."""
