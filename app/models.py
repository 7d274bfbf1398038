"""Response models: they make the OpenAPI document say exactly what each endpoint returns."""

from typing import Literal

from pydantic import BaseModel, Field


class Greeting(BaseModel):
    hello: str = Field(serialization_alias="Hello", examples=["World"])


class Item(BaseModel):
    item_id: int = Field(examples=[42])
    q: str | None = Field(examples=["5a920c4c-03d2-422e-b863-ce8126d35ff2"])


class Health(BaseModel):
    status: Literal["ok", "shutting down"]
