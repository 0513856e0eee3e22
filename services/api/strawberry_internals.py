"""strawberry used past its API. Written for strawberry-graphql 0.341.2 (WRITTEN_FOR, requirements.lock).

Over 300 lines on purpose: everything to compare with a new strawberry release is here, and only here.

What it replaces, and why:
- ``strawberry.types.arguments.convert_arguments``, called by the resolver strawberry makes
  (``GraphQLCoreConverter.from_resolver``'s ``_resolver``), which works out again on every call each
  argument's and each input field's type, GraphQL name and kind (about 18 recursive calls for one
  ``postRequest``). Each field with arguments gets, when the schema is built, a converter compiled
  from a plan: input objects, enums, scalars, lists and optionals, which are all this schema has. An
  argument of any other type (``Maybe``, a lazy type, a ``GlobalID``, an input with its own
  ``from_input``) is converted by strawberry's own ``convert_argument``, and a field with field
  extensions or exception handlers (or a subscription) keeps strawberry's resolver.
  ``python -m bench.command_cpu``: postRequest's conversion 80 → 2 µs of CPU, its ``schema.execute``
  306 → 158 µs (2026-12-06, load average 4.4).
- The resolvers strawberry makes for a plain attribute (``_get_basic_result``) and for a method that
  takes ``self`` alone, and its enum serialisation (a loop over the values): such fields get an
  ``Attribute`` or ``Child`` resolver that services.api.graphql_core_internals completes in place
  (the measurement is there).

On an upgrade, tests/unit/test_strawberry_internals.py fails first; compare with the new release
``convert_argument`` and ``convert_arguments`` (``ConvertedArguments.__call__`` follows them),
``from_resolver``'s ``_resolver``, ``_async_resolver`` and ``_get_basic_result`` and its
``get_arguments`` (``Converted.resolve`` follows them), ``CustomGraphQLEnumType.coerce_output_value``
and ``Info``'s fields; then run tests/unit/test_lean_arguments.py and test_lean_execution.py, which
compare every field of the schema with strawberry's own conversion and results.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from functools import partial
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    is_leaf_type,
)
from strawberry.relay.types import GlobalID
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.arguments import (
    StrawberryArgument,
    _is_leaf_type,
    _is_optional_leaf_type,
    convert_argument,
)
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryOptional,
    StrawberryType,
    has_object_definition,
)
from strawberry.types.enum import has_enum_definition
from strawberry.types.field import StrawberryField
from strawberry.types.unset import UNSET

from services.api.graphql_core_internals import Attribute, Child
from services.api.loaded import LOADED, Loaded, LoadedMany

# The version whose conversion and resolvers this module follows; a test fails on any other.
WRITTEN_FOR = {"strawberry-graphql": "0.341.2"}
_DEFINITION = GraphQLCoreConverter.DEFINITION_BACKREF
_STRAWBERRY_RESOLVERS = frozenset({"_resolver", "_async_resolver"})
#: The key of a field's ``extensions`` that holds its ``ConvertedArguments``: for a caller that
#: converts the arguments as the resolver would, without calling it (services.api.compiled's plans).
ARGUMENTS = "concord-arguments"

Convert = Callable[[Any], Any]


def _leaf(value: Any) -> Any:
    """Scalars and enums: graphql-core's coerced value is already the Python value."""
    return value


def _copied_list(value: Any) -> Any:
    """A list of leaves is copied: graphql-core shares one default value between requests."""
    if value is None or value is UNSET:
        return value
    return list(value)


class ConvertedArguments:
    """One field's arguments, from graphql-core's coerced values to what its resolver takes."""

    __slots__ = ("config", "plan", "scalars")

    def __init__(self, field: StrawberryField, converter: GraphQLCoreConverter) -> None:
        self.scalars = converter.scalar_registry
        self.config = converter.config
        name_of = self.config.name_converter.from_argument
        # (GraphQL name, Python name, compiled converter or None, type for strawberry's fallback)
        self.plan = tuple(
            (name_of(argument), argument.python_name, *_planned(argument, self.scalars, self.config))
            for argument in field.arguments
        )

    @property
    def compiled(self) -> bool:
        """Whether no argument falls back to strawberry's conversion."""
        return all(convert is not None for _name, _python, convert, _type in self.plan)

    def __call__(self, values: Mapping[str, Any], info: Any) -> dict[str, Any]:
        """``strawberry.types.arguments.convert_arguments(values, field.arguments, …, info)``."""
        kwargs: dict[str, Any] = {}
        for name, python_name, convert, type_ in self.plan:
            if name in values:
                if convert is not None:
                    kwargs[python_name] = convert(values[name])
                else:
                    kwargs[python_name] = convert_argument(
                        values[name], type_, self.scalars, self.config, info, path=(name,)
                    )
        return kwargs


def _planned(
    argument: StrawberryArgument, scalars: Mapping[object, Any], config: Any
) -> tuple[Convert | None, Any]:
    """The argument's compiled converter, and its type for strawberry's if there is none."""
    type_ = argument.type
    return _compiled(type_, scalars, config, {}), type_


def _compiled(
    type_: StrawberryType | type, scalars: Mapping[object, Any], config: Any, seen: dict[Any, Convert]
) -> Convert | None:
    """The converter of values of ``type_``, checked in ``convert_argument``'s order; None where
    strawberry must convert them. ``seen``: input types being compiled (one may contain itself)."""
    if isinstance(type_, StrawberryOptional):  # Maybe (an Optional too) is strawberry's to convert
        return None if isinstance(type_, StrawberryMaybe) else _compiled(type_.of_type, scalars, config, seen)
    if isinstance(type_, StrawberryList):
        return _list_of(type_.of_type, scalars, config, seen)
    if _is_leaf_type(type_, scalars):
        return None if type_ is GlobalID else _leaf
    if has_enum_definition(type_):
        return _compiled(type_.__strawberry_definition__, scalars, config, seen)
    if has_object_definition(type_):
        return seen[type_] if type_ in seen else _input_object(type_, scalars, config, seen)
    return None  # a lazy type, or one strawberry would refuse: its own conversion decides


def _list_of(
    item: StrawberryType | type, scalars: Mapping[object, Any], config: Any, seen: dict[Any, Convert]
) -> Convert | None:
    if _is_leaf_type(item, scalars, skip_classes=(GlobalID,)) or _is_optional_leaf_type(
        item, scalars, skip_classes=(GlobalID,)
    ):
        return _copied_list
    convert_item = _compiled(item, scalars, config, seen)
    if convert_item is None:
        return None

    def convert(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        return [convert_item(each) for each in value]

    return convert


def _input_object(
    cls: Any, scalars: Mapping[object, Any], config: Any, seen: dict[Any, Convert]
) -> Convert | None:
    definition = cls.__strawberry_definition__
    if definition.from_input is not None:
        return None
    # None for the fields with no default, so that nullable fields need none (as strawberry does).
    implicit = (
        {
            field.python_name: None
            for field in definition.fields
            if field.default_value is MISSING and field.default_factory is MISSING
        }
        if definition.is_input
        else {}
    )
    fields: list[tuple[str, str, Convert]] = []

    def convert(value: Any) -> Any:
        if value is None or value is UNSET:
            return value
        kwargs = implicit.copy()
        for name, python_name, convert_field in fields:
            if name in value:
                kwargs[python_name] = convert_field(value[name])
        return cls(**kwargs)

    seen[cls] = convert
    name_of = config.name_converter.from_field
    for field in definition.fields:
        convert_field = _compiled(field.resolve_type(type_definition=definition), scalars, config, seen)
        if convert_field is None:
            return None
        fields.append((name_of(field), field.python_name, convert_field))
    return convert


class Converted:
    """A field's resolver as strawberry makes it (``from_resolver``'s ``_resolver`` with no field
    extensions and no exception handlers), with its arguments converted by ``ConvertedArguments``."""

    __slots__ = ("arguments", "field", "info_class", "info_named", "parent", "self_first")

    def __init__(self, field: StrawberryField, converter: GraphQLCoreConverter) -> None:
        self.field = field
        self.info_class = converter.config.info_class
        self.arguments = ConvertedArguments(field, converter)
        resolver = field.base_resolver
        assert resolver is not None
        self.self_first = resolver.self_parameter is not None
        # Keyword arguments that take the source or the info, as get_arguments adds them.
        self.parent = tuple(
            (parameter.name, parameter is resolver.info_parameter)
            for parameter in (resolver.parent_parameter, resolver.root_parameter, resolver.info_parameter)
            if parameter is not None
        )
        # strawberry's resolver passes its info as ``info`` whatever else took that name.
        names = {python_name for _name, python_name, _convert, _type in self.arguments.plan}
        self.info_named = "info" in names.union(name for name, is_info in self.parent if not is_info)

    def resolve(self, source: Any, info: GraphQLResolveInfo[Any], kwargs: dict[str, Any]) -> Any:
        strawberry_info = self.info_class(_raw_info=info, _field=self.field)
        converted = self.arguments(kwargs, strawberry_info)
        for name, is_info in self.parent:
            converted[name] = strawberry_info if is_info else source
        if self.info_named:
            converted["info"] = strawberry_info
        args = [source] if self.self_first else []
        return self.field.get_result(source, info=strawberry_info, args=args, kwargs=converted)


class ConvertedResolver(Converted):
    __slots__ = ()

    def __call__(self, source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        return self.resolve(source, info, kwargs)


class AsyncConvertedResolver(Converted):
    """An ``async def`` resolver's: its own coroutine, which the executor awaits, with no coroutine
    around it (strawberry's ``_async_resolver`` awaits it once, and so does the executor)."""

    __slots__ = ()

    def __call__(self, source: Any, info: GraphQLResolveInfo[Any], **kwargs: Any) -> Any:
        return self.resolve(source, info, kwargs)


def convert_arguments_once(schema: GraphQLSchema, converter: GraphQLCoreConverter) -> None:
    """Give each field whose resolver strawberry made from a function (but a subscription's, and
    a method of ``self`` alone, which mark_attributes reads in place) a ``ConvertedResolver``,
    with or without arguments. Run before anything wraps resolvers (the access policy)."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        if named is schema.subscription_type:
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get(_DEFINITION)
            if not isinstance(definition, StrawberryField):
                continue
            if not _convertible(field.resolve, definition, converter):
                continue
            resolver = (AsyncConvertedResolver if definition.is_async else ConvertedResolver)(
                definition, converter
            )
            field.resolve = resolver
            field.extensions = {**(field.extensions or {}), ARGUMENTS: resolver.arguments}


def _convertible(resolve: Any, definition: StrawberryField, converter: GraphQLCoreConverter) -> bool:
    return (
        getattr(resolve, "__name__", None) in _STRAWBERRY_RESOLVERS
        and definition.base_resolver is not None
        # One without arguments too (a loader's, say), but a method of ``self`` alone: mark_attributes'
        and (bool(definition.arguments) or _plain_method(definition) is None)
        and not definition.extensions
        and not definition.is_subscription
        and not converter._get_field_exception_handlers(definition)  # noqa: SLF001 (as from_resolver asks)
    )


def mark_attributes(schema: GraphQLSchema) -> None:
    """Give each plain attribute field of leaf or object type an ``Attribute`` or ``Child`` resolver.

    Run after anything else that wraps resolvers (the access policy): a wrapped field no longer
    has strawberry's own resolver and is left alone.
    """
    for named in schema.type_map.values():
        if isinstance(named, GraphQLObjectType) and not named.name.startswith("__"):
            for field in named.fields.values():
                resolver = _attribute(field)
                if resolver is not None:
                    field.resolve = resolver


def enum_output(enum: GraphQLEnumType) -> Callable[[Any], Any]:
    """The enum's serialisation of a value: strawberry's, as one dict lookup for its own enums."""
    return _enum_names(enum) if isinstance(enum, CustomGraphQLEnumType) else enum.coerce_output_value


def _enum_names(enum: CustomGraphQLEnumType) -> Callable[[Any], Any]:
    """strawberry's enum serialisation (the first name whose value matches), as one dict lookup by
    the member's identity (an enum member's own hash and ``value`` are Python-level calls)."""
    names: dict[Any, str] = {}
    for name, value in enum.values.items():
        names.setdefault(value.value, name)
    wrapped = enum.wrapped_cls
    slow = enum.coerce_output_value
    # Each member, named as above, by its id: members live as long as their class.
    every: list[Any] = list(wrapped)
    members = {id(m): names[m.value] for m in every if m.value in names}

    def serialise(member: Any) -> Any:
        name = members.get(id(member))
        return slow(member) if name is None else name

    # For services.api.compiled, which reads a member's name inline.
    serialise.enum = wrapped  # type: ignore[attr-defined]
    serialise.names = members  # type: ignore[attr-defined]
    return serialise


def _attribute(field: GraphQLField) -> Attribute | Child | None:
    definition = (field.extensions or {}).get(_DEFINITION)
    if definition is None or definition.extensions:
        return None
    non_null = isinstance(field.type, GraphQLNonNull)
    of_type = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    # A leaf or plain object type holds no error type of a union: no exception handlers apply.
    if is_leaf_type(of_type):
        serialise = _enum_names(of_type) if isinstance(of_type, CustomGraphQLEnumType) else None
        kind: Callable[[Callable[[Any], Any]], Attribute | Child] = partial(
            Attribute, leaf=of_type, non_null=non_null, serialise=serialise
        )
    elif isinstance(of_type, GraphQLObjectType) and of_type.is_type_of is None:
        kind = partial(Child, object_type=of_type, non_null=non_null)
    else:
        return None
    # The resolver strawberry made, not one wrapped since (by the access policy, say).
    made_by = getattr(field.resolve, "__name__", None)
    if made_by == "_get_basic_result":
        get = _plain_attribute(definition)
    elif made_by == "_resolver" and is_leaf_type(of_type):
        get = _plain_method(definition)
    else:
        return None
    return None if get is None else kind(get)


def _plain_attribute(definition: Any) -> Callable[[Any], Any] | None:
    """An attribute with no resolver."""
    if definition.base_resolver is not None:
        return None
    name = definition.python_name
    default = definition.default_resolver
    return attrgetter(name) if default is getattr else (lambda source: default(source, name))


def _plain_method(definition: Any) -> Callable[[Any], Any] | None:
    """A synchronous resolver that takes ``self`` alone (like ``gap``): called with the source."""
    resolver = definition.base_resolver
    if resolver is None or resolver.is_async or resolver.self_parameter is None:
        return None
    if len(resolver.signature.parameters) != 1:
        return None
    method: Callable[[Any], Any] = resolver.wrapped_func
    return method


def loaded_of(field: GraphQLField) -> Loaded | None:
    """The ``Loaded`` a field's strawberry metadata names (services.api.loaded), if the field is
    still resolved by the resolver made from its definition, not one wrapped since (by the access
    policy, say)."""
    loaded = _declared_loaded(field)
    return loaded if isinstance(loaded, Loaded) else None


def many_loaded_of(field: GraphQLField) -> LoadedMany | None:
    """The ``LoadedMany`` a list field's metadata names, on the same terms as ``loaded_of``."""
    loaded = _declared_loaded(field)
    return loaded if isinstance(loaded, LoadedMany) else None


def _declared_loaded(field: GraphQLField) -> Any:
    definition = (field.extensions or {}).get(_DEFINITION)
    if definition is None or type(field.resolve) is not AsyncConvertedResolver:
        return None
    return (definition.metadata or {}).get(LOADED)


def plain_getter(field: GraphQLField) -> Callable[[Any], Any] | None:
    """How to read a field that strawberry resolves as a bare attribute of any type (a list of
    edges, say), if it is one and nothing (the access policy, an extension) wraps it."""
    definition = (field.extensions or {}).get(_DEFINITION)
    if definition is None or definition.extensions:
        return None
    if getattr(field.resolve, "__name__", None) != "_get_basic_result":
        return None
    return _plain_attribute(definition)
