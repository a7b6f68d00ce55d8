package dev.weir.api;

/** Lower-case constants because they are the spelling users write in YAML. */
public enum ProcessingGuarantee {
    exactly_once,
    at_least_once
}
