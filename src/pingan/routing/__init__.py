"""Routing (联勤联动联处): who handles an incident, who goes, and by when.

Pure: callers pass plain data and callbacks; nothing here touches the database or HTTP.

* :mod:`pingan.routing.rules` — rules as data (``data/routing/rules.toml``) and their precedence;
* :mod:`pingan.routing.engine` — :func:`~pingan.routing.engine.route`: call type × place → lead
  and assisting units, with a trace;
* :mod:`pingan.routing.dispatch` — :func:`~pingan.routing.dispatch.rank_resources`: nearest
  available capable resources, with score parts;
* :mod:`pingan.routing.timelimits` — due times per step, 提醒 → 督办 → 通报, and a timer wheel.
"""
