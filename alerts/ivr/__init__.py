"""IVR self-service: what the hotline's phone menu can answer without an agent (a report's
status by its reference, an interruption or planned works at the caller's premises, the
announcement of an area-wide fault) and the call-back a caller can leave, as text for the
phone system's text-to-speech in Chinese or English. Over HTTP (views) and FastAGI (fastagi)."""
