package org.dl4jopt.spark;

import static org.dl4jopt.spark.SparkFixture.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.JavaSerializer;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.MultiLayerUpdater;
import org.deeplearning4j.nn.updater.graph.ComputationGraphUpdater;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.spark.api.worker.NetBroadcastTuple;
import org.dl4jopt.examples.OptimizerRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.dataset.DataSet;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * On a real cluster the training masters' broadcast (configuration, parameters, updater state) and the task closures
 * (with the listeners) go through Spark's serializer; in local mode the broadcast value is handed over as the same
 * object. So this test ships them through Spark's JavaSerializer and through its KryoSerializer with DL4J's
 * registrator, rebuilds the worker's network as ParameterAveragingTrainingWorker does, and requires the same
 * updater configs and the same next training step as the original network.
 */
@Timeout(120)
class ConfigShippingTest {
    static final ClassTag<Object> ANY = ClassTag$.MODULE$.apply(Object.class);

    static List<SerializerInstance> serializers() {
        SparkConf conf = new SparkConf().set("spark.kryo.registrator", "org.nd4j.kryo.Nd4jRegistrator");
        return List.of(new JavaSerializer(conf).newInstance(), new KryoSerializer(conf).newInstance());
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(SerializerInstance ser, T value) {
        return (T) ser.deserialize(ser.serialize(value, ANY), ANY);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("org.dl4jopt.spark.SparkFixture#optimizers")
    void multiLayerNetwork(String name) {
        List<DataSet> data = vectors(96, 3);
        for (SerializerInstance ser : serializers()) {
            String what = name + " via " + ser.getClass().getSimpleName();
            MultiLayerNetwork net = mlp(name);
            for (int i = 0; i < 3; i++) net.fit(data.get(i)); // non-trivial state to ship
            NetBroadcastTuple back = roundTrip(
                    ser,
                    new NetBroadcastTuple(
                            net.getLayerWiseConfigurations(),
                            net.params(),
                            net.getUpdater().getStateViewArray()));
            assertEquals(
                    layerUpdaters(net.getLayerWiseConfigurations()),
                    layerUpdaters(back.getConfiguration()),
                    what + ": updater configs");

            MultiLayerNetwork worker =
                    new MultiLayerNetwork(back.getConfiguration().clone());
            worker.init(back.getParameters().unsafeDuplication(), false);
            worker.setUpdater(
                    new MultiLayerUpdater(worker, back.getUpdaterState().unsafeDuplication()));
            net.fit(data.get(3));
            worker.fit(data.get(3));
            assertEquals(0, maxAbsDiff(net.params(), worker.params()), 1e-6, what + ": next step's parameters");
            assertEquals(
                    0,
                    maxAbsDiff(
                            net.getUpdater().getStateViewArray(),
                            worker.getUpdater().getStateViewArray()),
                    1e-6,
                    what + ": next step's updater state");

            List<TrainingListener> listeners =
                    new ArrayList<>(OptimizerRegistry.get(name).trainingListeners());
            List<TrainingListener> shipped = roundTrip(ser, listeners);
            assertEquals(listeners.size(), shipped.size(), what + ": listeners");
            for (int i = 0; i < listeners.size(); i++) {
                assertEquals(listeners.get(i).getClass(), shipped.get(i).getClass(), what + ": listener " + i);
                worker.setListeners(shipped.get(i));
                worker.fit(data.get(4)); // a shipped listener still works on the worker
            }
        }
    }

    /**
     * DL4J 1.0.0-M2.1 behaviour the scale-out notes rely on: MultiLayerConfiguration.clone() keeps the iteration count
     * (ParameterAveragingTrainingMaster advances it by averagingFrequency per split), ComputationGraphConfiguration.clone()
     * resets it to 0, so on SparkComputationGraph + parameter averaging every split's workers count iterations from 0.
     */
    @Test
    void dl4jClonesKeepIterationCountOnlyForMultiLayerNetworks() {
        MultiLayerNetwork mln = mlp("adam");
        mln.getLayerWiseConfigurations().setIterationCount(7);
        assertEquals(7, mln.getLayerWiseConfigurations().clone().getIterationCount());
        ComputationGraph cg = graph("adam");
        cg.getConfiguration().setIterationCount(7);
        assertEquals(0, cg.getConfiguration().clone().getIterationCount());
    }

    @Test
    void computationGraphMuon() {
        List<DataSet> data = vectors(96, 3);
        for (SerializerInstance ser : serializers()) {
            ComputationGraph net = graph("muon");
            for (int i = 0; i < 3; i++) net.fit(data.get(i));
            NetBroadcastTuple back = roundTrip(
                    ser,
                    new NetBroadcastTuple(
                            net.getConfiguration(),
                            net.params(),
                            net.getUpdater().getStateViewArray()));
            assertEquals(layerUpdaters(net.getConfiguration()), layerUpdaters(back.getGraphConfiguration()));
            // DL4J's ComputationGraphConfiguration.clone() drops the iteration/epoch counts (see the test below), so a
            // Spark worker restarts at iteration 0; put them back to compare our updater's step, not that.
            ComputationGraphConfiguration workerConf =
                    back.getGraphConfiguration().clone();
            workerConf.setIterationCount(back.getGraphConfiguration().getIterationCount());
            workerConf.setEpochCount(back.getGraphConfiguration().getEpochCount());
            ComputationGraph worker = new ComputationGraph(workerConf);
            worker.init(back.getParameters().unsafeDuplication(), false);
            worker.setUpdater(
                    new ComputationGraphUpdater(worker, back.getUpdaterState().unsafeDuplication()));
            net.fit(data.get(3));
            worker.fit(data.get(3));
            assertEquals(0, maxAbsDiff(net.params(), worker.params()), 1e-6);
            assertEquals(
                    0,
                    maxAbsDiff(
                            net.getUpdater().getStateViewArray(),
                            worker.getUpdater().getStateViewArray()),
                    1e-6);
        }
    }
}
