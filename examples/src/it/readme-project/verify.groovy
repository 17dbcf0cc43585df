// The processor ran (Maven 3.8's default compiler plugin would have generated nothing) and the model trained.
def generated = new File(basedir, 'target/generated-sources/annotations/example/DetectorTrainingModel.java')
assert generated.isFile() : "no generated DetectorTrainingModel: the README snippet does not run the processor"
def log = new File(basedir, 'build.log').text
assert log.contains('README project: total ') : "the README project's main did not run"
assert !log.contains('No SLF4J providers') : "the README snippet leaves SLF4J without a provider"
return true
