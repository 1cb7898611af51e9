// Checks an ontology document against the OWL 2 DL profile with the OWL API (Debian's libowlapi-java, OWL API 5):
// the profile checker the OWL API ships (org.semanticweb.owlapi.profiles.OWL2DLProfile), no reasoner.
//
//   java -cp <owlapi jars>:<dir of this class> OwlProfile FILE.ttl...
//
// For each file (each loaded into a manager of its own): one line per violation, "FILE: KIND: violation", then
// "FILE: violations: N"; exits 1 when any file has a violation. Fails closed: a document that does not load, or
// triples the parser could not turn into axioms or annotations ("unparsed triples": they would be silently left
// out of the check), exit 2 with "FILE: error: ..." on stderr; the checker's own failure (a missing jar), exit 3.
// Imports are not followed (no network).
// Only the Turtle parser is tried (by default the OWL API tries every parser it has, and one of them accepts
// a broken Turtle file as a small ontology of something else). Compiled by tests/test_ontology.py with the machine's javac against the Debian jars.

import java.io.File;
import java.util.ArrayList;
import java.util.List;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.io.OWLOntologyLoaderMetaData;
import org.semanticweb.owlapi.io.RDFParserMetaData;
import org.semanticweb.owlapi.model.MissingImportHandlingStrategy;
import org.semanticweb.owlapi.model.OWLDocumentFormat;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyLoaderConfiguration;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public final class OwlProfile {
    private OwlProfile() {}

    public static void main(String[] args) {
        if (args.length == 0) {
            System.err.println("usage: OwlProfile FILE...");
            System.exit(2);
        }
        int worst = 0;
        try {
            for (String arg : args) {
                worst = Math.max(worst, check(new File(arg)));
            }
        } catch (Throwable t) {  // a missing jar, a bug: never mistaken for a verdict (exit 1)
            System.err.println("error: the profile checker failed: " + t);
            System.exit(3);
        }
        System.exit(worst);
    }

    private static int check(File file) {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntologyLoaderConfiguration config = new OWLOntologyLoaderConfiguration()
                .setMissingImportHandlingStrategy(MissingImportHandlingStrategy.SILENT)
                .setFollowRedirects(false)
                .setReportStackTraces(false);
        OWLOntology ontology;
        try {
            ontology = manager.loadOntologyFromOntologyDocument(
                    new FileDocumentSource(file, new TurtleDocumentFormat()), config);  // Turtle's parser only
        } catch (Exception e) {
            System.err.println(file + ": error: does not load: " + e.getClass().getSimpleName() + ": "
                    + String.valueOf(e.getMessage()).split("\n", 2)[0]);
            return 2;
        }
        OWLDocumentFormat format = manager.getOntologyFormat(ontology);
        List<String> unparsed = new ArrayList<>();
        if (format != null) {
            OWLOntologyLoaderMetaData meta = format.getOntologyLoaderMetaData().orElse(null);
            if (meta instanceof RDFParserMetaData) {
                ((RDFParserMetaData) meta).getUnparsedTriples().forEach(t -> unparsed.add(t.toString()));
            }
        }
        if (!unparsed.isEmpty()) {
            for (String t : unparsed) {
                System.err.println(file + ": error: unparsed triple: " + t);
            }
            return 2;
        }
        if (ontology.getAxiomCount() == 0) {
            System.err.println(file + ": error: no axioms: not an ontology document");
            return 2;
        }
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        List<String> lines = new ArrayList<>();
        for (OWLProfileViolation v : report.getViolations()) {
            lines.add(file + ": " + v.getClass().getSimpleName() + ": " + v.toString().replace('\n', ' '));
        }
        java.util.Collections.sort(lines);
        for (String line : lines) {
            System.out.println(line);
        }
        System.out.println(file + ": axioms: " + ontology.getAxiomCount());
        System.out.println(file + ": violations: " + lines.size());
        return lines.isEmpty() ? 0 : 1;
    }
}
