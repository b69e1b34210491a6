use std::path::Path;

use super::model::Model;
use crate::suite::Suite;

#[test]
fn the_model_predicts_every_recorded_status() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let suite = Suite::load(&root.join("cases")).expect("the corpus loads");
    let mut missed = Vec::new();
    let mut steps = 0;
    for case in suite.cases() {
        // Cases replaying documented examples read objects no step made.
        let mut model = Model::new(case.replay_only);
        for named in &case.steps {
            let response = &named.step.response;
            let made = response.body.get("id").and_then(|id| id.as_str());
            let predicted = model.step(&named.step.request, made);
            model.saw(&response.body);
            steps += 1;
            if predicted != response.status {
                missed.push(format!(
                    "{} `{}` {} {}: predicted {predicted}, recorded {}",
                    case.name,
                    named.name,
                    named.step.request.method,
                    named.step.request.path,
                    response.status
                ));
            }
        }
    }
    assert!(steps > 500, "the corpus has its steps ({steps})");
    assert!(
        missed.is_empty(),
        "{} of {steps} statuses missed:\n{}",
        missed.len(),
        missed.join("\n")
    );
}
