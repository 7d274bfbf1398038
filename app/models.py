"""Response models: they make the OpenAPI document say exactly what each endpoint returns."""

from pydantic import BaseModel, Field


class Greeting(BaseModel):
    hello: str = Field(serialization_alias="Hello", examples=["World"])


class Item(BaseModel):
    item_id: int = Field(examples=[42])
    q: str | None = Field(examples=["5a920c4c-03d2-422e-b863-ce8126d35ff2"])


class Health(BaseModel):
    status: str = Field(examples=["ok", "shutting down"])
