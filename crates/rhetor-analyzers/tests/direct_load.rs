//! The analyzer reads the shipped f16 weights straight into its inference encoder (no candle
//! copy of the model, for peak memory). That path must compute exactly what the candle path
//! computes: same widened weights, same quantized layers, so identical outputs, bit for bit, at
//! f32 and at int8. Invented text only.

use rhetor_analyzers::pipeline::default_model_dir;
use rhetor_analyzers::techniques::TechniqueModel;
use rhetor_models::trained::TrainedModel;
use rhetor_models::Precision;

const TEXT: &str =
    "These so-called leaders are nothing but a gang of arrogant clowns who laugh at \
hard-working families. Wake up, people! If we do not stop this insane spending spree now, our \
children will inherit nothing but ruins, while the agency responsible insisted that the walls had \
performed exactly as designed and that the volume of rain, the highest recorded since measurements \
began, would have overwhelmed any defence of reasonable size; several speakers, among them a \
retired engineer who had worked on the original plans, said the pumps at the lower end of the \
valley had been switched off for maintenance during the storm, a claim the agency neither \
confirmed nor denied. Either you stand with the taxpayers or you stand with the crooks.";

#[test]
fn direct_load_matches_the_candle_load_exactly() {
    let dir = default_model_dir();
    let trained = TrainedModel::load(&dir)
        .unwrap_or_else(|e| panic!("the shipped model must load from {}: {e}", dir.display()));
    let n = TEXT.chars().count();
    let pars = [(0usize, 0usize, n), (1, 0, 120)];
    for precision in [Precision::F32, Precision::Int8] {
        let via_candle = TechniqueModel::from_trained_with(&trained, 1, precision).expect("candle");
        let direct = TechniqueModel::load_with(&dir, 1, precision).expect("direct");
        assert_eq!(direct.encoder.precision(), via_candle.encoder.precision());
        assert_eq!(direct.labels, via_candle.labels);
        assert_eq!(
            direct.paragraph_head.weight,
            via_candle.paragraph_head.weight
        );
        assert_eq!(direct.span_head.bias, via_candle.span_head.bias);
        let windows = direct.windows(TEXT, &pars).expect("windows");
        assert!(
            windows.len() >= 3,
            "the long paragraph spans several windows"
        );
        let a = direct.run_with_states(TEXT, &pars).expect("direct run");
        let b = via_candle.run_with_states(TEXT, &pars).expect("candle run");
        assert!(a.0 == b.0, "paragraph outputs differ at {precision}");
        assert!(
            a.1.states == b.1.states,
            "token states differ at {precision}"
        );
        assert_eq!(a.1.offsets, b.1.offsets);
    }
}
