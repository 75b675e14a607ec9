package org.dl4jopt.coverage;

import java.util.function.Supplier;
import org.dl4jopt.am.AdaptiveMemoryAdamW;
import org.dl4jopt.am.AdaptiveMemorySgd;
import org.dl4jopt.dropmuon.DropMuon;
import org.dl4jopt.fismo.Fismo;
import org.dl4jopt.lanton.Lanton;
import org.dl4jopt.muon.Muon;
import org.dl4jopt.onebit.OneBitAdam;
import org.nd4j.linalg.learning.config.IUpdater;

/** Every optimizer of the library at its defaults. */
enum Opt {
    MUON(Muon::new),
    DROP_MUON(DropMuon::new),
    FISMO(Fismo::new),
    LANTON(Lanton::new),
    ONE_BIT_ADAM(OneBitAdam::new),
    AM_SGD(AdaptiveMemorySgd::new),
    AM_ADAMW(AdaptiveMemoryAdamW::new);

    private final Supplier<IUpdater> make;

    Opt(Supplier<IUpdater> make) {
        this.make = make;
    }

    IUpdater make() {
        return make.get();
    }
}
