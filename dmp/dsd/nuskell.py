"""Translation by an installed Nuskell (`dsd.backend: nuskell`); everything after stays dmp's.

Nuskell is not on the package registries (it installs from its source repository), so dmp
never requires it. When it is present, its `translate(crn, scheme, modular=True)` produces
the complexes and modules, and dmp converts them into its own `DSDSystem`: the same
enumeration, verification and output files follow. Signal strands that Nuskell releases carry
fresh history domains; verification recognises them by their domains after the history domain,
which is Nuskell's own rule for formal species.
"""

from __future__ import annotations

from typing import Any

from dmp.crn.io import format_crn
from dmp.crn.model import CRN
from dmp.dsd.cascade import split_fan_out
from dmp.dsd.compiler import Compiled, fuel_concentrations, input_species
from dmp.dsd.kernel import structure_of
from dmp.dsd.model import Complex, DSDSystem, Module
from dmp.dsd.settings import DSDSettings
from dmp.errors import DmpError

INSTALL_HINT = (
    "Nuskell is not installed (it installs only from its source repository, e.g. "
    "`pip install git+https://github.com/DNA-and-Natural-Algorithms-Group/nuskell`); "
    "set dsd.backend: dmp to use dmp's own schemes"
)


def nuskell_available() -> bool:
    try:
        import nuskell.dsdcompiler  # noqa: F401
    except ImportError:
        return False
    return True


def compile_with_nuskell(
    crn: CRN, scheme: str, settings: DSDSettings, inputs: list[str] | None = None, source: str = "CRN"
) -> Compiled:
    """Translate with Nuskell's scheme `<scheme>.ts`, then convert to dmp's system."""
    try:
        from nuskell.dsdcompiler import translate
    except ImportError:
        raise DmpError(f"dsd.backend: nuskell: {INSTALL_HINT}") from None
    split, splits, origin = split_fan_out(crn, int(settings.max_products))
    try:
        solution, modules = translate(
            format_crn(split), scheme if scheme.endswith(".ts") else f"{scheme}.ts", modular=True
        )
    except Exception as exc:  # Nuskell raises its own exception types for schemes and CRNs
        raise DmpError(f"{source}: Nuskell could not translate with scheme {scheme}: {exc}") from None
    system = system_from_nuskell(solution, modules, split, scheme, settings, inputs)
    return Compiled(system, split, splits, origin, input_species(split, inputs))


def system_from_nuskell(
    solution: dict[str, Any],
    modules: list[dict[str, Any]],
    crn: CRN,
    scheme: str,
    settings: DSDSettings,
    declared: list[str] | None = None,
) -> DSDSystem:
    """dmp's system from Nuskell's (solution, modules): complexes by name, one module per reaction."""
    if len(modules) != len(crn.reactions):
        raise DmpError(f"Nuskell returned {len(modules)} modules for {len(crn.reactions)} reactions")
    unit = float(settings.unit_nM)
    inputs = set(input_species(crn, declared))
    fuels = fuel_concentrations(crn, sorted(inputs), settings)
    formal = set(crn.species)
    system = DSDSystem(scheme=f"{scheme} (Nuskell)", formal_species=crn.species)
    owner = {}
    for index, module in enumerate(modules):
        for name in module:
            if name not in formal:
                owner.setdefault(name, index)
    for name, cplx in solution.items():
        for domain in cplx.sequence:
            if domain != "+":
                base = domain.name[:-1] if domain.name.endswith("*") else domain.name
                system.add_domain(base, int(domain.length))
        strands, structure = structure_of(cplx.kernel_string)
        if name in formal:
            units = float(settings.input_units) if name in inputs else crn.initial.get(name, 0.0)
            made = Complex(
                name,
                tuple(map(tuple, strands)),
                tuple(map(tuple, structure)),
                "signal",
                formal=name,
                concentration=units * unit,
            )
        else:
            made = Complex(
                name,
                tuple(map(tuple, strands)),
                tuple(map(tuple, structure)),
                "fuel",
                reaction=owner.get(name),
                # A complex no module claims (none should) gets the floor.
                concentration=fuels[owner[name]] if name in owner else min(fuels, default=0.0),
            )
        system.add(made)
    for index, (module, reaction) in enumerate(zip(modules, crn.reactions, strict=True)):
        names = list(module)
        system.modules.append(
            Module(
                index,
                (reaction.reactants, reaction.products),
                [n for n in names if n not in formal],
                list(dict.fromkeys(reaction.reactants)),
                [],
                str(reaction),
            )
        )
    system.meta = {
        "scheme_reference": f"Nuskell scheme {scheme}",
        "unit_nM": unit,
        "fuel_nM": min(fuels, default=0.0),
        "fuel_nM_max": max(fuels, default=0.0),
        "input_units": float(settings.input_units),
        "max_products": int(settings.max_products),
        "inputs": sorted(inputs),
        "backend": "nuskell",
    }
    return system
