"""Response models: they make the OpenAPI document say exactly what each endpoint returns."""

from pydantic import BaseModel, Field


class Health(BaseModel):
    status: str = Field(examples=["ok", "shutting down"])
