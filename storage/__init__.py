"""The store: SQLAlchemy models, Alembic migrations, the engine and the queries."""
