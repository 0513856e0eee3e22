"""HTTP adapters: the FastAPI app, the GraphQL-over-HTTP endpoint and the strawberry schema."""
