package org.dl4jopt.testmodels;

import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Shape plumbing shared by the transformer's SameDiff layers: activations are DL4J recurrent arrays in NCW layout
 * {@code [minibatch, size, time]}; the position-wise linear maps work on the rows of {@code [minibatch*time, size]}.
 */
final class SequenceLayers {
    private SequenceLayers() {}

    /** The recurrent input type a layer of width {@code size} accepts, or an exception naming the layer. */
    static InputType.InputTypeRecurrent checkInput(String layer, String name, InputType inputType, long size) {
        if (inputType == null || inputType.getType() != InputType.Type.RNN) {
            throw new IllegalStateException(
                    layer + " '" + name + "' expects a recurrent (NCW) input, got " + inputType);
        }
        InputType.InputTypeRecurrent r = (InputType.InputTypeRecurrent) inputType;
        if (r.getSize() != size) {
            throw new IllegalStateException(layer + " '" + name + "' was configured for width " + size
                    + " but its input has width " + r.getSize());
        }
        return r;
    }

    /** {@code [mb, size, T]} to the rows {@code [mb*T, size]} (row {@code b*T + t} is example b, step t). */
    static SDVariable toRows(SameDiff sd, SDVariable ncw, long size) {
        return sd.reshape(sd.permute(ncw, 0, 2, 1), -1, size);
    }

    /** Inverse of {@link #toRows}: {@code [mb*T, size]} back to {@code [mb, size, T]}. */
    static SDVariable fromRows(SameDiff sd, SDVariable rows, long time, long size) {
        return sd.permute(sd.reshape(rows, -1, time, size), 0, 2, 1);
    }

    /** Fills {@code w} with N(0, scale^2 / fanIn), fanIn = rows of the {@code [fanIn, fanOut]} matrix. */
    static void normalInit(INDArray w, double scale) {
        double std = scale / Math.sqrt(w.size(0));
        org.nd4j.linalg.factory.Nd4j.randn(w);
        w.muli(std);
    }
}
