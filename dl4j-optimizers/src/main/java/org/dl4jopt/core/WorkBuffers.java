package org.dl4jopt.core;

import java.util.HashMap;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Flat work buffers by length and data type, allocated once outside any DL4J workspace and reused every step. */
public final class WorkBuffers {
    private final Map<String, INDArray> buffers = new HashMap<>();

    /** A flat buffer of {@code like}'s length and type (its contents are whatever the last user left). */
    @SuppressWarnings("try") // the workspace scope is the resource; its variable is never read
    public INDArray like(INDArray like) {
        return buffers.computeIfAbsent(like.length() + ":" + like.dataType(), k -> {
            try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
                return Nd4j.create(like.dataType(), like.length());
            }
        });
    }
}
