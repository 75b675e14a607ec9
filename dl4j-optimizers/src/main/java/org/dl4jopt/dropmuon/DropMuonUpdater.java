package org.dl4jopt.dropmuon;

import org.dl4jopt.muon.MuonUpdater;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link MuonUpdater} behind Drop-Muon's gate (applied by the shared base: a frozen block gets a zero update and keeps
 * its state). Adds only the one-time hint that the backward pass is not being truncated.
 */
public class DropMuonUpdater extends MuonUpdater {
    private static final Logger log = LoggerFactory.getLogger(DropMuonUpdater.class);
    private boolean hinted;

    public DropMuonUpdater(DropMuon config) {
        super(config);
    }

    @Override
    public void applyUpdater(INDArray gradient, int iteration, int epoch) {
        DropMuon c = (DropMuon) config;
        if (!hinted && layout.position() == 0 && !gate.active(iteration) && !c.backpropTruncated()) {
            hinted = true;
            log.warn("Drop-Muon: the backward pass still runs through the frozen layers, so iterations save only the "
                    + "optimizer work. For the full saving on a MultiLayerNetwork add the listener: "
                    + "net.addListeners(new org.dl4jopt.dropmuon.DropMuonBackprop())");
        }
        super.applyUpdater(gradient, iteration, epoch);
    }
}
