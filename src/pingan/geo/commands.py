"""``pingan geo …``: geocode addresses in bulk and measure the address matcher.

Results go to stdout, progress and summaries to stderr, so the output can be piped.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from pingan.geo.address import (
    Gazetteer,
    UserPlacesError,
    default_gazetteer,
    load_user_places,
)
from pingan.geo.address_eval import evaluate_addresses, format_evaluation
from pingan.geo.places_file import UnknownPlaceError, load_former_divisions, load_place_tree

geo_app = typer.Typer(
    name="geo",
    help="Place names and addresses: geocoding and its evaluation.",
    no_args_is_help=True,
)

_PROGRESS_EVERY = 10_000


def _gazetteer(user_places: Path | None) -> Gazetteer:
    if user_places is None:
        return default_gazetteer()
    try:
        places = load_user_places(user_places)
    except (OSError, UserPlacesError) as error:
        raise typer.BadParameter(str(error), param_hint="--user-places") from error
    return Gazetteer(load_place_tree(), load_former_divisions(), user_places=places)


def _geocode_line(gazetteer: Gazetteer, line: str, default_place: str | None) -> dict[str, Any]:
    try:
        request = json.loads(line)
    except json.JSONDecodeError as error:
        return {"id": None, "error": f"not JSON: {error.msg} at column {error.colno}"}
    if not isinstance(request, dict):
        return {"id": None, "error": "expected a JSON object with an address"}
    line_id = request.get("id")
    address = request.get("address")
    if not isinstance(address, str):
        return {"id": line_id, "error": "address must be a string"}
    place = request.get("default_place", default_place)
    if place is not None and not isinstance(place, str):
        return {"id": line_id, "error": "default_place must be a division code"}
    try:
        match = gazetteer.match(address, place)
    except UnknownPlaceError as error:
        return {"id": line_id, "error": str(error)}
    return {"id": line_id, "place": match.to_dict() if match is not None else None}


@geo_app.command()
def geocode(
    default_place: Annotated[
        str | None,
        typer.Option(help="Division code used when a line gives none (e.g. 330624 新昌县)."),
    ] = None,
    user_places: Annotated[
        Path | None,
        typer.Option(
            help="CSV of roads/communities/POIs: name,kind,place_code,lon,lat[,coord_system].",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
) -> None:
    """Read JSON lines {"id", "address", "default_place"?} on stdin; write {"id", "place"} lines.

    A line that cannot be read gives {"id", "error"} and the rest carry on.
    """
    gazetteer = _gazetteer(user_places)
    if default_place is not None:
        try:
            gazetteer.match("", default_place)
        except UnknownPlaceError as error:
            raise typer.BadParameter(str(error), param_hint="--default-place") from error
    done = failed = 0
    for raw in sys.stdin:
        line = raw.strip()
        if not line:
            continue
        result = _geocode_line(gazetteer, line, default_place)
        failed += "error" in result
        done += 1
        sys.stdout.write(json.dumps(result, ensure_ascii=False) + "\n")
        if done % _PROGRESS_EVERY == 0:
            typer.echo(f"geocoded {done} lines", err=True)
    typer.echo(f"geocoded {done} lines, {failed} with errors", err=True)


@geo_app.command("eval-address")
def eval_address(
    data: Annotated[
        Path,
        typer.Option(help="Character/BIO-tagged address file.", exists=True, dir_okay=False),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Print how often the matcher finds the county and town of real addresses."""
    typer.echo(f"evaluating {data} …", err=True)
    result = evaluate_addresses(data)
    if as_json:
        typer.echo(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        typer.echo(format_evaluation(result))
