package dev.weir.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

/** What the operator last read from a job's checkpoint store. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class CheckpointsStatus {
    @JsonPropertyDescription("The store listed: spec.checkpoints.location or the operator's default, followed by the"
            + " job's folder.")
    public String location;

    @JsonPropertyDescription("When the operator last listed the store (RFC 3339), successfully or not.")
    public String listedAt;

    @JsonPropertyDescription("Why the last listing failed; absent when it succeeded.")
    public String error;

    @JsonPropertyDescription("The newest periodic checkpoint of any task.")
    public StoredCheckpoint latest;

    @JsonPropertyDescription("The newest savepoints (one per task and occasion), newest first, at most 10.")
    public List<StoredCheckpoint> savepoints = new ArrayList<>();

    @JsonPropertyDescription("The last on-demand savepoint request (annotation weir.dev/savepoint-request).")
    public SavepointRequest savepointRequest;

    /** One checkpoint or savepoint of one task. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class StoredCheckpoint {
        @JsonPropertyDescription("The checkpoint's id in the store.")
        public String id;

        @JsonPropertyDescription("The Kafka Streams task whose state it holds, e.g. 0_1.")
        public String taskId;

        @JsonPropertyDescription("When it was written (RFC 3339).")
        public String time;

        @JsonPropertyDescription("Its folder in the store.")
        public String location;

        @JsonPropertyDescription("Bytes of state it holds, files shared with other checkpoints included.")
        public Long sizeBytes;
    }

    /** A savepoint asked for with the annotation, and the savepoints that answered it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SavepointRequest {
        @JsonPropertyDescription("The annotation's value.")
        public String nonce;

        @JsonPropertyDescription("When the operator saw the request and passed it to the pods (RFC 3339).")
        public String requestedAt;

        @JsonPropertyDescription("Pending until every task the store knows has a savepoint written after the request,"
                + " then Done; Failed when that did not happen within spec.checkpoints.savepointTimeout.")
        public String state;

        @JsonPropertyDescription("Tasks with a savepoint written after the request, of the tasks the store knows,"
                + " e.g. 2/3; absent until the store was listed after the request.")
        public String tasks;

        @JsonPropertyDescription("The savepoints that answered the request, one per task, ordered by task; absent"
                + " until Done.")
        public List<String> savepointIds;

        @JsonPropertyDescription("Which tasks are still awaited, or why the request failed and what to do.")
        public String message;
    }
}
