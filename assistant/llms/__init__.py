"""Clients for generative models: the local llama.cpp model and OpenAI-compatible servers.

Each client turns chat messages into a stream of text. They know nothing of passages or
citations: the answer pipeline renders prompts and checks what comes back.
"""
