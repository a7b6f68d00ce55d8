package dev.weir.kinesis;

/** A record Kinesis cannot take, with why: for the dead letter. */
public record RejectedRecord(SinkRecord record, String reason) {
}
