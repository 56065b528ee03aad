package io.parley.client;

final class Placeholder {}
