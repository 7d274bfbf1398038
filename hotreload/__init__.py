"""A fork-based hot reloader for ASGI apps: save a file, serve the new code in ~0.1 s.

`uvicorn --reload` starts a fresh interpreter per change and re-imports FastAPI, pydantic
and every other installed library (~0.3 s before the app's own code even loads). Here a
supervisor keeps installed libraries imported and forks a fresh server per change; the
child imports only the project's own modules. The supervisor never imports project code,
so nothing stale survives a reload. Linux and macOS (it needs fork).
"""
