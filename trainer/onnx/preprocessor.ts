// preprocessor_config.json of our generated backbones: squash-resize to 224×224 (bilinear, no crop),
// rescale 1/255, then normalise with the backbone's own mean and std.
export function squashPreprocessor(type: string, mean: readonly number[], std: readonly number[]) {
  return {
    image_processor_type: type,
    do_resize: true,
    size: { height: 224, width: 224 },
    resample: 2,
    do_center_crop: false,
    do_rescale: true,
    rescale_factor: 0.00392156862745098,
    do_normalize: true,
    image_mean: [...mean],
    image_std: [...std],
    do_convert_rgb: true,
  };
}
