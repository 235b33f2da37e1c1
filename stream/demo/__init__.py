"""``driftline demo``: synthetic traffic with drift injected part-way, and its summary."""
