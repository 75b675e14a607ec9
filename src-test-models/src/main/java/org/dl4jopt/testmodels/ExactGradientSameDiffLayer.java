package org.dl4jopt.testmodels;

import java.util.Collection;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.samediff.SameDiffLayer;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Base of the transformer's SameDiff layers: DL4J's SameDiff layer whose runtime divides out the gradient factor of
 * ND4J 1.0.0-M2.1's external-errors defect ({@link ExternalErrorsScale}), so every gradient is exact.
 */
public abstract class ExactGradientSameDiffLayer extends SameDiffLayer {
    private static final long serialVersionUID = 1L;

    /** DL4J's runtime with the SameDiff gradient-scale correction of {@link ExternalErrorsScale}. */
    @Override
    public Layer instantiate(
            NeuralNetConfiguration conf,
            Collection<TrainingListener> listeners,
            int layerIndex,
            INDArray paramsView,
            boolean initializeParams,
            DataType dataType) {
        Layer l = ExternalErrorsScale.instantiate(conf, layerIndex, paramsView, initializeParams, dataType);
        l.setListeners(listeners);
        return l;
    }
}
