"""Web glue: request, response and presentation helpers shared by the blueprints."""
