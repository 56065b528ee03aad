package io.parley.bench;

final class Placeholder {}
