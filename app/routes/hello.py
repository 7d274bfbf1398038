"""The example API (the seed's): a greeting and an item echo, with their models. A service
made without the examples (copier.yml) has neither this file nor its tests."""

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

# Longest accepted `q`; longer values get a 422 (documented in the OpenAPI schema).
Q_MAX_LENGTH = 256

router = APIRouter(tags=["hello"])


class Greeting(BaseModel):
    hello: str = Field(serialization_alias="Hello", examples=["World"])


class Item(BaseModel):
    item_id: int = Field(examples=[42])
    q: str | None = Field(examples=["5a920c4c-03d2-422e-b863-ce8126d35ff2"])


@router.get("/", response_model=Greeting)
async def read_root() -> Greeting:
    return Greeting(hello="World")


@router.get("/items/{item_id}", response_model=Item)
async def read_item(
    item_id: Annotated[int, Path(description="Any integer id.")],
    q: Annotated[str | None, Query(max_length=Q_MAX_LENGTH, description="Free text.")] = None,
) -> Item:
    return Item(item_id=item_id, q=q)
