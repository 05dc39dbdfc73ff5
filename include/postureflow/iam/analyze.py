"""Find every AWS API operation a module calls, by reading its source (no import, no AWS).

A module gets its clients from ``<anything>.client("<service>", ...)`` (``scope.client``,
``access.client``, ``self.client``). Operations are named in four ways, all found here:

- ``scope.fetch(client, "get_bucket_policy", ...)`` and ``scope.list(client, "list_keys", ...)``;
- ``client.get_paginator("list_x")`` and ``client.can_paginate("list_x")``;
- a method call on a client: ``client.head_bucket(...)``;
- a string handed to a helper next to the client: ``_pages(scope, ec2, "describe_volumes", ...)``.

Which client (so which service) a name stands for is followed through assignments,
enclosing functions and the module's own helper functions (a client passed as an
argument binds the helper's parameter). A name that appears without any client we
can follow is matched against every service the module uses; when more than one
service has that operation the reference is reported as ambiguous (and all of them
count, so the policy errs on coverage, never silently on denial).

Only names that are real operations of botocore's service model count, so a kind
name such as ``"buckets"`` never becomes an action.
"""

from __future__ import annotations

import ast
import functools
from collections import ChainMap
from dataclasses import dataclass, field
from typing import Iterator

PAGINATE_METHODS = {"fetch", "list"}  # scope.fetch(client, "op", ...), scope.list(client, "op", ...)
CLIENT_METHODS_TAKING_OPERATION = {"get_paginator", "can_paginate"}
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


@dataclass(frozen=True, order=True)
class OperationRef:
    """One place in the source that calls (or names) one API operation of one boto3 client."""

    client: str  # boto3 client name: "s3", "s3control", "cognito-idp", ...
    operation: str  # the API operation name of botocore's model: "ListBuckets"
    module: str
    line: int
    how: str  # "call", "method", "argument", "literal"


@dataclass
class ModuleAnalysis:
    module: str
    services: set[str] = field(default_factory=set)
    refs: list[OperationRef] = field(default_factory=list)
    # (module, line, name, clients): a name that is an operation of several clients the module uses,
    # none of which could be followed to it
    ambiguous: list[tuple[str, int, str, tuple[str, ...]]] = field(default_factory=list)
    # (module, line, name, clients): called as an operation of these clients, which have no such operation
    unknown: list[tuple[str, int, str, tuple[str, ...]]] = field(default_factory=list)


@functools.lru_cache(maxsize=None)
def operations_of(client: str) -> dict[str, str]:
    """snake_case method name -> API operation name, for one boto3 client (botocore's own model)."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(client)
    return {xform_name(name): name for name in model.operation_names}


def _client_literal(node: ast.AST) -> str | None:
    """``X.client("svc", ...)`` or ``client("svc")`` -> "svc"."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    func = node.func
    named = (isinstance(func, ast.Attribute) and func.attr == "client") or (isinstance(func, ast.Name) and func.id == "client")
    first = node.args[0]
    if named and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _scope_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """Every node of ``scope``'s own body; nested functions are yielded but not entered."""
    body = scope.body if isinstance(scope.body, list) else [scope.body]
    stack = list(reversed(body))
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (*SCOPES, ast.ClassDef)):
            continue
        stack.extend(reversed(list(ast.iter_child_nodes(node))))


class _Analyzer:
    def __init__(self, tree: ast.Module, module: str):
        self.tree = tree
        self.module = module
        self.services = {s for n in ast.walk(tree) if (s := _client_literal(n))}
        self.functions: dict[str, list[ast.FunctionDef | ast.AsyncFunctionDef]] = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.functions.setdefault(node.name, []).append(node)
        # function name -> parameter name -> clients passed to it at some call site
        self.param_clients: dict[str, dict[str, set[str]]] = {}

    # -- resolving an expression to the client(s) it holds -----------------------------------

    def clients_of(self, node: ast.AST, env) -> set[str]:
        literal = _client_literal(node)
        if literal:
            return {literal}
        if isinstance(node, ast.Name):
            return set(env.get(node.id, ()))
        return set()

    def scope_env(self, scope: ast.AST, parent) -> ChainMap:
        env: ChainMap = parent.new_child()
        if isinstance(scope, SCOPES):
            args = scope.args
            for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                bound = self.param_clients.get(getattr(scope, "name", ""), {}).get(arg.arg)
                env[arg.arg] = set(bound) if bound else set()
        for node in _scope_nodes(scope):
            targets: list[ast.AST] = []
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
                targets, value = [node.target], node.value
            for target in targets:
                if isinstance(target, ast.Name):
                    found = self.clients_of(value, env)
                    if found:
                        env[target.id] = set(env.get(target.id, set())) | found
        return env

    # -- one pass over the module ------------------------------------------------------------

    def run(self, record: bool) -> bool:
        """Walk every scope; bind helper parameters from call sites. Returns whether a binding changed."""
        self.changed = False
        self.record = record
        self.result = ModuleAnalysis(self.module, set(self.services))
        self.consumed: set[int] = set()
        self.visit_scope(self.tree, ChainMap())
        if record:
            self.leftover_literals()
        return self.changed

    def visit_scope(self, scope: ast.AST, parent: ChainMap) -> None:
        env = self.scope_env(scope, parent)
        for node in _scope_nodes(scope):
            if isinstance(node, (*SCOPES, ast.ClassDef)) and node is not scope:
                self.visit_scope(node, env)
            elif isinstance(node, ast.Call):
                self.visit_call(node, env)

    def bind_params(self, call: ast.Call, env) -> None:
        if not isinstance(call.func, ast.Name) or call.func.id not in self.functions:
            return
        for fn in self.functions[call.func.id]:
            params = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
            pairs = list(zip(params, call.args))
            pairs += [(kw.arg, kw.value) for kw in call.keywords if kw.arg]
            for name, value in pairs:
                clients = self.clients_of(value, env)
                if clients:
                    known = self.param_clients.setdefault(fn.name, {}).setdefault(name, set())
                    if not clients <= known:
                        known |= clients
                        self.changed = True

    def visit_call(self, call: ast.Call, env) -> None:
        self.bind_params(call, env)
        if not self.record:
            return
        func = call.func
        if isinstance(func, ast.Attribute):
            if func.attr in PAGINATE_METHODS and len(call.args) >= 2 and _is_str(call.args[1]):
                self.add(call.args[1].value, self.clients_of(call.args[0], env), call.args[1], "call")
                return
            if func.attr in CLIENT_METHODS_TAKING_OPERATION and call.args and _is_str(call.args[0]):
                self.add(call.args[0].value, self.clients_of(func.value, env), call.args[0], "call")
                return
            receivers = self.clients_of(func.value, env)
            if receivers:
                matching = {c for c in receivers if func.attr in operations_of(c)}
                if matching:
                    self.add(func.attr, matching, func, "method")
            elif not isinstance(func.value, ast.Name) or func.value.id not in ("self", "scope", "access"):
                # a method on something we could not follow (an attribute chain, a call result)
                self.add(func.attr, set(), func, "method", quiet=True)
        # a string handed to a helper beside a client: _pages(scope, ec2, "describe_volumes", ...)
        values = [*call.args, *(kw.value for kw in call.keywords)]
        strings = [v for v in values if _is_str(v) and id(v) not in self.consumed]
        if strings:
            receivers = set().union(*(self.clients_of(v, env) for v in values))
            for s in strings:
                self.add(s.value, receivers, s, "argument", quiet=True)

    def leftover_literals(self) -> None:
        """Operation names written anywhere else (a tuple of operations, a mapping...)."""
        for node in ast.walk(self.tree):
            if _is_str(node) and id(node) not in self.consumed:
                self.add(node.value, set(), node, "literal", quiet=True)

    def add(self, name: str, receivers: set[str], node: ast.AST, how: str, quiet: bool = False) -> None:
        """Record ``name`` as an operation of ``receivers`` (or, unknown, of the module's services).

        ``quiet``: the name may well not be an operation at all (any string, any method)."""
        if not name.isidentifier() or name.lower() != name:
            return
        candidates = receivers or self.services
        clients = tuple(sorted(c for c in candidates if name in operations_of(c)))
        if not clients:
            if receivers and not quiet:
                # named as an operation of a known client, but that client has no such operation
                self.result.unknown.append((self.module, node.lineno, name, tuple(sorted(receivers))))
            return
        self.consumed.add(id(node))
        if len(clients) > 1 and not receivers:
            self.result.ambiguous.append((self.module, node.lineno, name, clients))
        for client in clients:
            self.result.refs.append(OperationRef(client, operations_of(client)[name], self.module, node.lineno, how))


def _is_str(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str)


def analyze_source(source: str, module: str) -> ModuleAnalysis:
    """Every API operation ``source`` (one module) calls; see the module docstring."""
    analyzer = _Analyzer(ast.parse(source), module)
    for _ in range(10):  # bind helper parameters until nothing new is learnt
        if not analyzer.run(record=False):
            break
    analyzer.run(record=True)
    result = analyzer.result
    result.refs = sorted(set(result.refs))
    result.ambiguous = sorted(set(result.ambiguous))
    result.unknown = sorted(set(result.unknown))
    return result
