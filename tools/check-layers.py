#!/usr/bin/env python3
"""Checks the core's layering (docs/architecture.md): every file in src/core/<layer>/ includes
core headers only from its own layer or from layers below it, and the modules (a .c file with
its .h) include each other without a cycle. Prints what it finds; exit 1 on a violation.

Usage: tools/check-layers.py [SRC_CORE_DIR]"""
import os
import re
import sys

LAYERS = ['num', 'io', 'linops', 'model', 'iter', 'train', 'restore']
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    core = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '..', 'src', 'core')
    layer_of = {}    # header name -> layer
    files = []       # (layer, path)
    for layer in LAYERS:
        for name in sorted(os.listdir(os.path.join(core, layer))):
            if name.endswith(('.c', '.h')):
                files.append((layer, os.path.join(core, layer, name)))
                if name.endswith('.h'):
                    layer_of[name] = layer
    stray = [n for n in os.listdir(core) if n.endswith('.c')]
    problems = [f'{core}/{n}: a source file outside the layer folders' for n in stray]

    # Module graph: module name (file name without extension) -> modules it includes.
    edges = {}
    for layer, path in files:
        module = os.path.splitext(os.path.basename(path))[0]
        targets = edges.setdefault(module, set())
        with open(path, encoding='utf-8') as handle:
            for header in INCLUDE.findall(handle.read()):
                if header not in layer_of:
                    if header.startswith('ts-') or header == 'tessera.h':
                        problems.append(f'{path}: includes {header}, which is not a header of a core layer')
                    continue
                if LAYERS.index(layer_of[header]) > LAYERS.index(layer):
                    problems.append(f'{path} ({layer}) includes {header} from the higher layer '
                                    f'{layer_of[header]}')
                target = os.path.splitext(header)[0]
                # Private headers (ts-x-impl.h, ts-x-private.h) belong to module ts-x.
                target = re.sub(r'-(impl|private)$', '', target)
                if target != module:
                    targets.add(target)

    # Cycles, by depth-first search.
    state = {}
    stack = []

    def visit(node):
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                cycle = stack[stack.index(nxt):] + [nxt]
                problems.append('include cycle: ' + ' -> '.join(cycle))
            elif nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(edges):
        if node not in state:
            visit(node)

    for problem in problems:
        print(problem)
    n_edges = sum(len(v) for v in edges.values())
    print(f'{len(files)} files in {len(LAYERS)} layers, {len(edges)} modules, {n_edges} include '
          f'arrows: {"no upward include, no cycle" if not problems else f"{len(problems)} problem(s)"}')
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
