"""Voice engines other than the local pipeline: speech-to-speech models behind the ``Call`` port.

``nova_sonic/``: Amazon Nova Sonic (bidirectional stream), optional extra ``nova-sonic``.
"""
